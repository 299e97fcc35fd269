//! The `sohoa` command line: a thin shell over the library.
fn main() {
    println!("sohoa {}", env!("CARGO_PKG_VERSION"));
}
