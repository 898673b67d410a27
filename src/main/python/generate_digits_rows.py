#!/usr/bin/env python3
"""Write rnn4j's shipped labelled sequence set, src/main/resources/dev/rnn4j/data/digits-rows.csv.

The data are scikit-learn's copy of the UCI "Optical Recognition of Handwritten Digits" test set (1,797
8x8 images of the digits 0 to 9, pixels 0 to 16; E. Alpaydin and C. Kaynak, 1998; CC BY 4.0), read as
sequences the way PyTorch's row-by-row MNIST examples read images: each image is one sequence of 8 steps,
its rows top to bottom, 8 features per step (the row's pixels).

CSV columns: ``id`` (``d0000`` .. ``d1796``, the image's index in scikit-learn's file), ``label`` (the
digit), ``p0`` .. ``p7`` (the row's pixels, left to right); the 8 rows of one image are consecutive.

It reads ``digits.csv.gz`` from scikit-learn's package (``sklearn/datasets/data/``), or from the path given
as the first argument, and writes the same bytes on every run; run it from the repository root:

    python3 src/main/python/generate_digits_rows.py [path/to/digits.csv.gz]
"""

import csv
import gzip
import os
import sys

OUT = os.path.join("src", "main", "resources", "dev", "rnn4j", "data", "digits-rows.csv")


def source_path():
    if len(sys.argv) > 1:
        return sys.argv[1]
    import sklearn.datasets

    return os.path.join(os.path.dirname(sklearn.datasets.__file__), "data", "digits.csv.gz")


def main():
    with gzip.open(source_path(), "rt", newline="") as f:
        images = [[int(float(v)) for v in row] for row in csv.reader(f) if row]
    with open(OUT, "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "label"] + ["p%d" % c for c in range(8)])
        for index, values in enumerate(images):
            pixels, digit = values[:64], values[64]
            for r in range(8):
                writer.writerow(["d%04d" % index, digit] + pixels[8 * r : 8 * r + 8])
    print("wrote %s: %d images, %d rows" % (OUT, len(images), 8 * len(images)))


if __name__ == "__main__":
    main()
