"""uniformer-convert tests: label-list formats."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fixtures import (HEAD_DIM_ARGS, TempDirCase, label_file, torch_save,  # noqa: E402
                      uniformer_state_dict)

from ufconvert import labels  # noqa: E402
from ufconvert.errors import ConvertError  # noqa: E402

NAMES = ["riding a bike", "marching", "dodgeball", "[something] falling", "tai chi"]
ORDER = [3, 0, 4, 1, 2]  # a file order that is not the index order


class Formats(unittest.TestCase):
    def parses(self, text, names=NAMES):
        self.assertEqual(labels.parse_text(text, len(names)), names)

    def test_formats(self):
        shuffled = [(NAMES[i], i) for i in ORDER]
        self.parses("\n".join(NAMES) + "\n")
        self.parses("\n".join(NAMES))  # no final newline, as in category.txt
        self.parses("\r\n".join(NAMES) + "\r\n")
        self.parses("\ufeff" + "\n".join(NAMES))
        self.parses("".join(f"{n}\t{i}\n" for n, i in shuffled))
        self.parses("".join(f"{n} {i}\n" for n, i in shuffled))
        self.parses("".join(f"  {n}   {i}  \n" for n, i in shuffled))
        self.parses(json.dumps(NAMES))
        self.parses(json.dumps(dict(shuffled), indent=2))
        self.parses(json.dumps({str(i): n for n, i in shuffled}))
        # a name list whose first name starts with a bracket is not JSON
        self.parses("[something] falling\nx\n", ["[something] falling", "x"])
        # names ending in digits, not all lines "name index": one per line
        self.parses("class 0\nclass one\n", ["class 0", "class one"])
        self.assertEqual(labels.default(3), ["class 0", "class 1", "class 2"])

    def test_errors(self):
        cases = {
            "a\nb\n": "it has 2 labels but the checkpoint has 5 classes",
            "a\n\nb\nc\nd\n": "line 2 is empty",
            "a\nb\nc\nd\na\n": "label 'a' appears twice",
            "a\t0\nb\t1\nc\t2\nd\t3\ne\t5\n": "indices must be 0..4",
            "a\t0\nb\t1\nc\t2\nd\t3\ne\t3\n": "has index 3",
            "a\t0\nb\t1\nc\t2\nd\t3\ne\tx\n": "'x' after the tab is not an index",
            '{"a": 0, "b": 1, "c": 2, "d": 3, "a": 4}': "key 'a' appears twice",
            '{"a": 0, "b": 1, "c": 2, "d": 3, "e": "4"}': "map names to integer indices",
            '["a", "b", "c", "d", 5]': "only strings",
            '["a", "b", "c", "d", " "]': "label 4 has an empty name",
            "[" * 100000: "nested too deeply",
        }
        for text, message in cases.items():
            with self.subTest(text):
                with self.assertRaises(ConvertError) as caught:
                    labels.parse_text(text, 5)
                self.assertIn(message, str(caught.exception))


class OnTheCommandLine(TempDirCase):
    def setUp(self):
        super().setUp()
        self.src = torch_save(uniformer_state_dict(num_classes=5), self.path("m.pth"))

    def convert(self, text, *extra, rc=0):
        with open(self.path("labels"), "w", encoding="utf-8") as f:
            f.write(text)
        self.run_tool(self.src, self.path("o"), "--labels", self.path("labels"), *HEAD_DIM_ARGS,
                      *extra, rc=rc)
        return json.loads(self.read(self.path("o"))[1]["labels"])

    def test_tab_file_out_of_order(self):
        text = "".join(f"{NAMES[i]}\t{i}\n" for i in ORDER)
        self.assertEqual(self.convert(text), NAMES)

    def test_non_ascii(self):
        names = ["café", "naïve", "日本語", "emoji 🎉", "quote \" and \\"]
        self.assertEqual(self.convert(json.dumps(names, ensure_ascii=False)), names)

    def test_errors_name_the_file(self):
        path = self.path("labels")
        with open(path, "wb") as f:
            f.write(b"\xff\xfe bad")
        self.fails(self.src, self.path("o"), "--labels", path, *HEAD_DIM_ARGS,
                   message=f"labels file {path}: not UTF-8 text")
        self.fails(self.src, self.path("o"), "--labels", self.path("nope"), *HEAD_DIM_ARGS,
                   message="No such file")
        with open(path, "w") as f:
            f.write("a\nb\n")
        self.fails(self.src, self.path("o"), "--labels", path, *HEAD_DIM_ARGS,
                   message="it has 2 labels but the checkpoint has 5 classes")


class SharedFiles(unittest.TestCase):
    """The shared lists parse to their documented class counts and first names."""

    def test_lists(self):
        for name, count, first in (("kinetics400.txt", 400, "riding a bike"),
                                   ("kinetics600.txt", 600, "feeding fish"),
                                   ("ssv2.txt", 174, "Approaching [something] with your camera")):
            with self.subTest(name):
                names = labels.load(label_file(name), count)
                self.assertEqual((len(names), names[0]), (count, first))


if __name__ == "__main__":
    unittest.main(verbosity=2)
