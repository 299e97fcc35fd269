//! Print LM log-probabilities of each unit of a phrase given the two before it (diagnostics):
//! `lm_query MODEL "Ủy ban nhân dân xã"`.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::borrow::Cow;
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bytes = std::fs::read(&args[0])?;
    let lm = sohoa::lm::LanguageModel::from_bytes(Cow::Owned(bytes), &args[0])?;
    for phrase in &args[1..] {
        let (mut w1, mut w2) = (lm.bos(), lm.bos());
        let mut total = 0.0;
        for w in phrase.split_whitespace().chain(std::iter::once("</s>")) {
            let id = if w == "</s>" {
                lm.eos()
            } else {
                lm.id(&sohoa::token::fold(w))
            };
            let p = lm.logp(w1, w2, id);
            total += p;
            print!("{w}({}:{p:.2}) ", lm.count(id));
            w1 = w2;
            w2 = id;
        }
        println!(" = {total:.2}");
    }
    Ok(())
}
