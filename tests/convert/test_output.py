"""uniformer-convert tests: what the output path may be, and what happens to it.

A regular file or a new path is replaced atomically; a symbolic link is
written through (the link stays, its target gets the model); anything else --
FIFO, device, socket, directory, a link to one, a missing directory -- is
refused with one line that names the path the user gave, and nothing is
written, not even a temporary file.

The special files are made here, in a temporary directory: even if the check
regressed, no file outside it (/dev/null above all) could be replaced. /dev/null
itself is only given to the library's output check, which never writes.
"""

import os
import socket
import stat
import sys
import unittest
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

from fixtures import HEAD_DIM_ARGS, TempDirCase, torch_save, uniformer_state_dict  # noqa: E402

from ufconvert import safetensors as st  # noqa: E402
from ufconvert.errors import ConvertError  # noqa: E402


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


class OutputPaths(TempDirCase):
    def setUp(self):
        super().setUp()
        self.state = uniformer_state_dict()
        self.src = torch_save(self.state, self.path("m.pth"))

    def convert(self, out, rc=0):
        return self.run_tool(self.src, out, *HEAD_DIM_ARGS, rc=rc)

    def assert_model(self, path):
        tensors, meta = self.read(path)
        self.assertEqual(meta["format"], "gst-uniformer")
        np.testing.assert_array_equal(tensors["head.weight"], self.state["head.weight"].numpy())

    def refused(self, out, message):
        """The tool refuses out with message; the directory gains no file."""
        before = sorted(os.listdir(self.dir))
        line = self.fails(self.src, out, *HEAD_DIM_ARGS, message=message)
        self.assertNotIn(".tmp", line)
        self.assertEqual(sorted(os.listdir(self.dir)), before, "a file was left behind")
        return line

    # ---- refused

    def test_fifo(self):
        fifo = self.path("fifo")
        os.mkfifo(fifo)
        # Opening it for writing would block: the tool must decide from lstat.
        self.refused(fifo, f"{fifo} is a FIFO (named pipe), not a regular file")
        self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode))

    def test_fifo_refused_before_reading_the_checkpoint(self):
        fifo = self.path("fifo")
        os.mkfifo(fifo)
        with open(self.path("junk.pth"), "w") as f:
            f.write("not a checkpoint\n")
        self.fails(self.path("junk.pth"), fifo, message="is a FIFO (named pipe)")

    def test_character_device(self):
        node = self.path("null")
        try:  # a /dev/null twin (1, 3), made here so that nothing real is at stake
            os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except (PermissionError, AttributeError, OSError) as e:
            self.skipTest(f"cannot make a device node here ({e})")
        self.refused(node, f"{node} is a character device, not a regular file")
        after = os.lstat(node)
        self.assertTrue(stat.S_ISCHR(after.st_mode))
        self.assertEqual(after.st_rdev, os.makedev(1, 3))

    def test_dev_null_is_refused_by_the_check(self):
        # Only the library's check, which does nothing but lstat/stat: safe
        # even if it regressed. The tool runs on it in the device test above.
        if not os.path.exists("/dev/null") or not stat.S_ISCHR(os.lstat("/dev/null").st_mode):
            self.skipTest("no character device /dev/null")
        before = os.lstat("/dev/null")
        with self.assertRaisesRegex(ConvertError,
                                    "^/dev/null is a character device, not a regular file"):
            st.output_target("/dev/null")
        after = os.lstat("/dev/null")
        self.assertTrue(stat.S_ISCHR(after.st_mode))
        self.assertEqual((after.st_ino, after.st_rdev), (before.st_ino, before.st_rdev))

    def test_socket(self):
        path = self.path("sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(sock.close)
        try:
            sock.bind(path)
        except OSError as e:
            self.skipTest(f"cannot bind a Unix socket here ({e})")
        self.refused(path, f"{path} is a socket, not a regular file")
        self.assertTrue(stat.S_ISSOCK(os.lstat(path).st_mode))

    def test_directory(self):
        d = self.path("d")
        os.mkdir(d)
        self.refused(d, f"{d} is a directory, not a regular file")
        self.refused(d + "/", "is a directory, not a regular file")
        self.assertEqual(os.listdir(d), [])

    def test_missing_directory_names_the_given_path(self):
        out = self.path("no/such/dir/model.safetensors")
        line = self.refused(out, f"cannot create {out}: the directory "
                                 f"{self.path('no/such/dir')} does not exist")
        self.assertNotIn(".model.safetensors.", line)
        rel = os.path.join("missing", "model.safetensors")  # relative, as typed
        self.refused(rel, f"cannot create {rel}: the directory")

    def test_parent_is_a_file(self):
        with open(self.path("file"), "w") as f:
            f.write("x")
        out = self.path("file/model.safetensors")
        self.refused(out, f"{out}: Not a directory")

    def test_symlinks_to_what_is_refused(self):
        os.mkfifo(self.path("fifo"))
        os.mkdir(self.path("d"))
        os.symlink("fifo", self.path("to-fifo"))
        os.symlink("d", self.path("to-dir"))
        os.symlink("nowhere/model.safetensors", self.path("dangling"))
        os.symlink("loop-b", self.path("loop-a"))
        os.symlink("loop-a", self.path("loop-b"))
        self.refused(self.path("to-fifo"), f"{self.path('to-fifo')} is a symbolic link to "
                                           f"{self.path('fifo')}, which is a FIFO (named pipe), "
                                           "not a regular file")
        self.refused(self.path("to-dir"), "which is a directory, not a regular file")
        self.refused(self.path("dangling"),
                     f"cannot create {self.path('dangling')} (a symbolic link to "
                     f"{self.path('nowhere/model.safetensors')}): the directory "
                     f"{self.path('nowhere')} does not exist")
        self.refused(self.path("loop-a"), f"{self.path('loop-a')}: Too many levels of symbolic")
        for name in ("to-fifo", "to-dir", "dangling", "loop-a"):
            self.assertTrue(os.path.islink(self.path(name)), name)
        self.assertTrue(stat.S_ISFIFO(os.lstat(self.path("fifo")).st_mode))

    def test_library_write_refuses_too(self):
        fifo = self.path("fifo")
        os.mkfifo(fifo)
        with self.assertRaisesRegex(ConvertError, "is a FIFO"):
            st.write(fifo, {"x": np.zeros(2, np.float32)})
        with self.assertRaisesRegex(ConvertError, "the output path is empty"):
            st.write("", {"x": np.zeros(2, np.float32)})
        self.assertEqual(sorted(os.listdir(self.dir)), ["fifo", "m.pth"])

    # ---- written

    def test_regular_file_replaced_keeping_its_mode(self):
        out = self.path("o.safetensors")
        with open(out, "w") as f:
            f.write("old")
        os.chmod(out, 0o640)
        inode = os.stat(out).st_ino
        self.convert(out)
        self.assert_model(out)
        self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o640)
        self.assertNotEqual(os.stat(out).st_ino, inode)  # a new file renamed over the old
        self.assertEqual(sorted(os.listdir(self.dir)), ["m.pth", "o.safetensors"])

    def test_new_file_gets_the_umask_mode(self):
        out = self.path("new.safetensors")
        self.convert(out)
        self.assert_model(out)
        self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o666 & ~_umask())
        self.convert("relative.safetensors")  # run_tool's working directory is self.dir
        self.assert_model(self.path("relative.safetensors"))

    def test_symlink_to_regular_file_is_written_through(self):
        os.mkdir(self.path("models"))
        target = self.path("models/real.safetensors")
        with open(target, "w") as f:
            f.write("old")
        os.chmod(target, 0o604)
        link = self.path("link.safetensors")
        os.symlink("models/real.safetensors", link)
        os.symlink("link.safetensors", self.path("link2"))  # a chain
        self.convert(self.path("link2"))
        for name in ("link.safetensors", "link2"):
            self.assertTrue(os.path.islink(self.path(name)), name)
        self.assertEqual(os.readlink(link), "models/real.safetensors")
        self.assert_model(target)
        self.assertEqual(stat.S_IMODE(os.stat(target).st_mode), 0o604)
        self.assertEqual(sorted(os.listdir(self.path("models"))), ["real.safetensors"])
        self.assertEqual(sorted(os.listdir(self.dir)),
                         ["link.safetensors", "link2", "m.pth", "models"])

    def test_dangling_symlink_into_existing_directory_creates_the_target(self):
        os.mkdir(self.path("models"))
        link = self.path("link.safetensors")
        os.symlink(self.path("models/new.safetensors"), link)
        self.convert(link)
        self.assertTrue(os.path.islink(link))
        self.assert_model(self.path("models/new.safetensors"))
        self.assertEqual(os.listdir(self.path("models")), ["new.safetensors"])

    def test_output_that_is_the_checkpoint_through_a_link(self):
        os.symlink("m.pth", self.path("alias"))
        self.fails(self.src, self.path("alias"), *HEAD_DIM_ARGS,
                   message="would overwrite the checkpoint")
        self.assertEqual(sorted(os.listdir(self.dir)), ["alias", "m.pth"])

    # ---- failures while writing

    def test_failed_rename_names_the_path_and_cleans_up(self):
        out = self.path("o.safetensors")
        with mock.patch("os.replace", side_effect=OSError(28, "No space left on device",
                                                          "/some/.o.tmp", None, out)):
            with self.assertRaises(OSError) as caught:
                st.write(out, {"x": np.zeros(2, np.float32)})
        self.assertEqual(caught.exception.filename, out)
        self.assertEqual(caught.exception.errno, 28)
        self.assertEqual(sorted(os.listdir(self.dir)), ["m.pth"])

    def test_interrupted_write_cleans_up(self):
        out = self.path("o.safetensors")
        with mock.patch("os.fsync", side_effect=KeyboardInterrupt):
            with self.assertRaises(KeyboardInterrupt):
                st.write(out, {"x": np.zeros(2, np.float32)})
        self.assertEqual(sorted(os.listdir(self.dir)), ["m.pth"])

    def test_unwritable_directory_names_the_path(self):
        if os.geteuid() == 0:
            self.skipTest("root writes into read-only directories")
        d = self.path("ro")
        os.mkdir(d, 0o500)
        self.addCleanup(os.chmod, d, 0o700)
        out = os.path.join(d, "o.safetensors")
        line = self.fails(self.src, out, *HEAD_DIM_ARGS, message=f"{out}: Permission denied")
        self.assertNotIn(".tmp", line)
        self.assertEqual(os.listdir(d), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
