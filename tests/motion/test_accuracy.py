#!/usr/bin/python3
"""tools/uniformer-motion-accuracy on the shipped model, one short held-out clip
per class, in both modes: the real pipeline (decodebin ! uniformerinfer) and
uniformer-classify agree on every window count, the report has a row per
class, the confusion matrix adds up, and the model gets most windows right."""
import os
import re
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
TOOL = os.path.join(ROOT, "tools", "uniformer-motion-accuracy")
CLASSES = 9


def section(out, title):
    """Per-class counts, overall (correct, total) and the matrix of one report."""
    body = out.split(f"== {title}")[1].split("\n==")[0]
    rows = re.findall(r"^  [a-z -]+? +(\d+)/(\d+) +[\d.]+%$", body, re.M)
    correct, total = map(int, re.search(r"overall top-1: (\d+)/(\d+)", body).groups())
    matrix = [[int(v) for v in line.split()]
              for line in body.splitlines() if re.fullmatch(r"   ( +\d+){9}", line)]
    return rows, (correct, total), matrix


def main():
    r = subprocess.run([sys.executable, TOOL, "--mode", "both", "--per-class", "1",
                        "--duration", "1.5", "--windows", "2",
                        "--classify", os.environ["UF_CLASSIFY"]],
                       capture_output=True, text=True, timeout=600)
    print(r.stdout)
    assert r.returncode == 0, r.stderr
    for title in ("engine", "pipeline"):
        rows, (correct, total), matrix = section(r.stdout, title)
        assert len(rows) == CLASSES and len(matrix) == CLASSES, r.stdout
        assert sum(int(t) for _, t in rows) == total == sum(map(sum, matrix)), r.stdout
        assert sum(matrix[i][i] for i in range(CLASSES)) == correct, r.stdout
        assert total >= CLASSES and correct >= 0.8 * total, (title, correct, total)
        print(f"ok: {title} {correct}/{total}")


if __name__ == "__main__":
    main()
