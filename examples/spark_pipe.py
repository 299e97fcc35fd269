"""Convert a folder of OCR text files with Spark (local mode) through `sohoa stream`.

Each file becomes one JSON line {"id": path, "text": content}; `rdd.pipe` hands every partition's
lines to one `sohoa stream` process, which answers one record per line, in order. Records (or
error records, {"id": .., "error": ..}) are written as JSON Lines into OUT_DIR, one part per
partition, as Spark writes text.

    python examples/spark_pipe.py IN_DIR OUT_DIR [--sohoa target/release/sohoa] [--partitions 2]
        [--sohoa-args "--models dir"]

On a cluster, replace `local[*]` by the master URL, put `sohoa` on every worker (or ship it with
`--files`), and read from HDFS/S3 instead of a local folder.
"""

import argparse
import json
import os
import shlex

from pyspark.sql import SparkSession


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("in_dir")
    ap.add_argument("out_dir")
    ap.add_argument("--sohoa", default="target/release/sohoa")
    ap.add_argument("--sohoa-args", default="", help="extra arguments for `sohoa stream`")
    ap.add_argument("--partitions", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=1, help="threads per sohoa process")
    a = ap.parse_args()

    spark = SparkSession.builder.master("local[*]").appName("sohoa-stream").getOrCreate()
    sc = spark.sparkContext
    sc.setLogLevel("WARN")

    in_dir = os.path.abspath(a.in_dir)
    # wholeTextFiles decodes as UTF-8; a file that is not UTF-8 comes out with U+FFFD and is
    # still answered (sohoa does not see its bytes). Use binaryFiles to send raw bytes instead.
    files = sc.wholeTextFiles(f"file://{in_dir}/*", minPartitions=a.partitions)
    lines = files.map(
        lambda kv: json.dumps(
            {"id": os.path.relpath(kv[0].removeprefix("file:"), in_dir), "text": kv[1]},
            ensure_ascii=False,
        )
    )
    cmd = [os.path.abspath(a.sohoa), "stream", "--jobs", str(a.jobs)] + shlex.split(a.sohoa_args)
    # Output lines come back in input order within each partition; the id travels with each one.
    records = lines.pipe(" ".join(shlex.quote(c) for c in cmd))
    records.saveAsTextFile(f"file://{os.path.abspath(a.out_dir)}")

    parsed = records.map(json.loads)
    ok = parsed.filter(lambda r: "error" not in r).count()
    failed = parsed.filter(lambda r: "error" in r).count()
    print(json.dumps({"ok": ok, "failed": failed}))
    spark.stop()


if __name__ == "__main__":
    main()
