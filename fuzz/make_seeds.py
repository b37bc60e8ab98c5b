#!/usr/bin/env python3
"""Writes the hand-made seeds of fuzz/corpus/{csv,libsvm,gzip,model}/ (Python 3 standard library
only). The Parquet seeds come from `cargo test --features parquet --test fuzz_corpus --
--ignored write_parquet_seeds`; the model seeds from the logreg binary, given as LOGREG
(default: target/release/logreg). Run from the repository root: python3 fuzz/make_seeds.py

The CSV and LIBSVM targets read their first byte as options (see fuzz/targets.rs), so each of
their seeds starts with one: bits 0-1 the target (CSV) or positive class (LIBSVM), bit 2 f64,
bits 3-4 max_classes, bit 5 a weight column (CSV), bit 6 --positive (CSV), bit 7 also read for a
model.
"""
import gzip
import io
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "corpus")

TARGET_LAST = 0x02
F64 = 0x04
MAX2, MAX3, MAXALL = 0x08, 0x10, 0x18
WEIGHT = 0x20
POSITIVE = 0x40
FOR_MODEL = 0x80


def write(target, name, data):
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    with open(os.path.join(CORPUS, target, name), "wb") as f:
        f.write(data)


def head(path, lines, max_bytes=3000):
    """The first `lines` lines of `path`, at most about `max_bytes` bytes, whole lines."""
    out = b""
    with open(path, "rb") as f:
        for i, line in enumerate(f):
            if i >= lines or len(out) + len(line) > max_bytes:
                break
            out += line
    return out


def csv_seeds():
    seeds = {
        "breast_cancer_head": (0, head(os.path.join(ROOT, "data", "breast_cancer.csv"), 25)),
        "spector_for_model": (TARGET_LAST | FOR_MODEL, head(os.path.join(FIXTURES, "spector.csv"), 40)),
        "iris_three_classes_f64": (F64 | MAX3, head(os.path.join(FIXTURES, "iris.csv"), 200, 2500)),
        "housing_weights": (TARGET_LAST | WEIGHT | MAXALL, head(os.path.join(FIXTURES, "housing_mass.csv"), 40)),
        "titanic_weights_positive": (WEIGHT | POSITIVE, head(os.path.join(FIXTURES, "titanic.csv"), 40)),
        "anes96_seven_classes": (0, head(os.path.join(FIXTURES, "anes96.csv"), 40)),
        "quoted_fields": (0, b'"a","b,c",label\n"1","2",x\n3,"4.5e1",y\n"-0",  7 ,x\n'),
        "quoted_newline_and_escaped_quote": (0, b'a,"say ""hi""",label\n1,2,"x\n y"\n3,4,z\n'),
        "crlf": (TARGET_LAST | F64, b"a,b,label\r\n1,2,0\r\n3,4,1\r\n5,6,0\r\n"),
        "bare_cr": (0, b"a,b,label\r1,2,0\r3,4,1\r"),
        "bom_and_spaces": (0, b"\xef\xbb\xbfa, b ,label\n 1 ,2,yes\n3, 4 ,no\n"),
        "header_only": (0, b"a,b,label\n"),
        "header_only_no_newline": (0, b"a,b,label"),
        "options_only": (0, b""),
        "blank_lines_and_no_final_newline": (0, b"a,label\n\n1,0\n\n2,1"),
        "empty_cells_nan_inf": (F64, b"a,b,label\n,1,0\nNaN,2,1\ninf,-inf,0\n1e400,1e-400,1\n"),
        "f32_overflow_and_subnormal": (0, b"a,b,label\n3.5e38,1e-40,0\n1,2,1\n"),
        "same_number_spellings": (MAX2, b"a,label\n1,1\n2,1.0\n3,+1\n4,0\n5,-0\n6,0e0\n"),
        "positive_label": (POSITIVE, b"x,label\n1,cat\n2,dog\n3,cat\n"),
        "label_named_first_column": (0x03, b"label,a,b\nyes,1,2\nno,3,4\n"),
        "duplicate_columns": (0, b"a,a,label\n1,2,0\n3,4,1\n"),
        "ragged_rows": (0, b"a,b,label\n1,2\n3,4,1,5\n6,7,0\n"),
        "mostly_zeros_sparse": (F64, b"a,b,c,d,e,f,g,h,i,j,label\n" + b"0,0,0,0,0,0,0,0,0,1,0\n0,0,0,0,0,0,0,0,0,0,1\n" * 8),
        "many_columns": (0, (",".join("c%d" % j for j in range(300)) + ",label\n" + ",".join("0" for _ in range(300)) + ",a\n" + ",".join("1" for _ in range(300)) + ",b\n").encode()),
        "non_utf8": (0, b"a,\xff\xfe,label\n1,2,\xc3\x28\n3,4,x\n"),
        "for_model_missing_target": (FOR_MODEL, b"a,b\n1,2\n3,4\n"),
        "for_model_unknown_label": (FOR_MODEL | F64, b"a,b,y\n1,2,0\n3,4,7\n"),
        "weight_is_target": (WEIGHT | 0x01, b"w,label\n1,0\n2,1\n"),
        "negative_and_zero_weights": (WEIGHT, b"a,w,label\n1,-1,0\n2,0,1\n3,nan,0\n"),
    }
    for name, (options, text) in seeds.items():
        write("csv", name + ".csv", bytes([options]) + text)


def libsvm_seeds():
    seeds = {
        "heart_scale_head": (0, head(os.path.join(ROOT, "data", "heart_scale.svm"), 20)),
        "reuters_head_for_model": (FOR_MODEL | 0x60, head(os.path.join(FIXTURES, "reuters_acq_crude.svm"), 6)),
        "qid": (0, b"1 qid:3 1:0.5 3:1\n-1 qid:3 2:1\n1 qid:4 1:2\n"),
        "comments": (0, b"# a comment line\n1 1:1 2:0.5 # trailing comment\n-1 2:1#x\n\n"),
        "huge_index_over_limit": (0, b"1 67108865:1\n-1 1:1\n"),
        "huge_index_u32": (0, b"1 4294967296:1\n-1 1:1\n"),
        "huge_index_digits": (0, b"1 99999999999999999999:1\n-1 1:1\n"),
        "index_zero": (0, b"1 0:1\n-1 1:1\n"),
        "indices_not_increasing": (0, b"1 3:1 2:1\n-1 1:1\n1 4:1 4:2\n"),
        "multiclass": (MAX3 | F64, b"0 1:1\n1 2:1\n2 3:1\n0 1:0.5 3:0.5\n"),
        "too_many_classes": (MAX2, b"0 1:1\n1 2:1\n2 3:1\n"),
        "crlf_tabs": (0x02, b"+1\t1:1\t2:2\r\n-1 2:3\r\n"),
        "label_spellings": (0x03, b"1.0 1:1\n-1 2:1\n+1 3:1\n-1.0 1:2\n"),
        "empty": (0, b""),
        "labels_only": (0, b"1\n-1\n"),
        "bad_values": (F64, b"1 1:nan\n-1 2:inf\n1 3:1e400\n-1 4:\n1 :5\n"),
        "f32_overflow": (0, b"1 1:1e39\n-1 1:1\n"),
        "for_model_index_over_n": (FOR_MODEL, b"1 1:1 2:1\n-1 1:1\n"),
        "for_model_unknown_label": (FOR_MODEL | 0x20, b"1 1:1\n3 2:1\n"),
        "explicit_zeros": (0, b"1 1:0 2:0 3:1\n-1 1:0\n"),
    }
    for name, (options, text) in seeds.items():
        write("libsvm", name + ".svm", bytes([options]) + text)


def gz(data, name=None, mtime=0):
    buf = io.BytesIO()
    with gzip.GzipFile(filename=name or "", mode="wb", fileobj=buf, mtime=mtime) as f:
        f.write(data)
    return buf.getvalue()


def gzip_seeds():
    csv = b"a,b,label\n1,2,0\n3,4,1\n5,6,0\n"
    svm = b"1 1:1 2:0.5\n-1 2:1\n1 3:2\n"
    seeds = {
        "csv": gz(csv),
        "svm": gz(svm),
        "breast_cancer_head": gz(head(os.path.join(ROOT, "data", "breast_cancer.csv"), 40, 6000)),
        "with_file_name": gz(csv, name="data.csv"),
        "multi_member": gz(csv[:10]) + gz(csv[10:]),
        "multi_member_svm": gz(svm[:12]) + gz(svm[12:]),
        "zero_padding": gz(csv) + b"\0" * 64,
        "empty_member": gz(b""),
        "empty_member_then_data": gz(b"") + gz(csv),
        "truncated": gz(csv)[:-6],
        "bad_crc": gz(csv)[:-8] + b"\0\0\0\0" + gz(csv)[-4:],
        "garbage_after_member": gz(csv) + b"garbage",
        "stored_block": gzip.compress(csv, compresslevel=0, mtime=0),
    }
    for name, data in seeds.items():
        write("gzip", name + ".gz", data)


def model_seeds():
    logreg = os.environ.get("LOGREG", os.path.join(ROOT, "target", "release", "logreg"))
    with tempfile.TemporaryDirectory() as tmp:
        def train(name, data, *args):
            out = os.path.join(tmp, name + ".json")
            subprocess.run([logreg, "train", data, *args, "-o", out, "--quiet"], check=True)
            with open(out, "rb") as f:
                return f.read()

        spector = os.path.join(FIXTURES, "spector.csv")
        iris = os.path.join(FIXTURES, "iris.csv")
        housing = os.path.join(FIXTURES, "housing_mass.csv")
        binary = train("binary", spector, "--target", "GRADE")
        write("model", "binary_spector.json", binary)
        write("model", "multinomial_iris.json", train("multinomial", iris, "--target", "species"))
        write("model", "ovr_iris.json", train("ovr", iris, "--target", "species", "--multiclass", "ovr"))
        write("model", "weighted_housing.json", train("weighted", housing, "--target", "sat", "--sample-weight", "count"))
        svm = os.path.join(ROOT, "data", "heart_scale.svm")
        write("model", "binary_heart_scale_libsvm.json", train("svm", svm))
        m = json.loads(binary)
        v1 = {
            "format": "logreg-model",
            "format_version": 1,
            "feature_names": m["feature_names"],
            "weights": m["weights"][0],
            "bias": m["bias"][0],
            "target": m["target"],
            "labels": {"negative": m["classes"][0], "positive": m["classes"][1]},
            "standardization": m["standardization"],
            "training": m["training"],
        }
        write("model", "version_1_spector.json", json.dumps(v1, indent=2).encode())
        m3 = dict(m, format_version=3)
        write("model", "version_3.json", json.dumps(m3).encode())
        wrong = dict(m, weights=[m["weights"][0][:-1]])
        write("model", "weights_shorter_than_features.json", json.dumps(wrong).encode())
        write("model", "not_a_model.json", b'{"format": "something-else", "format_version": 2}')
        write("model", "empty.json", b"")


if __name__ == "__main__":
    csv_seeds()
    libsvm_seeds()
    gzip_seeds()
    if "--no-models" not in sys.argv:
        model_seeds()
