"""examples/webcam.sh with a live test source and fakesink instead of the
camera and the screen (UF_SOURCE, UF_SINK, as its header says): it must run
both plugin elements, print classifications and exit 0 at the end of the
stream; a missing model file must fail with a message that names it."""
import re
import sys

from example_checks import MODEL, example, run

SCRIPT = example("webcam.sh")
TEST_ENV = {"UF_SOURCE": "videotestsrc is-live=true num-buffers=60", "UF_SINK": "fakesink"}
RESULT = re.compile(r'from element "uniformerinfer0" \(element\): uniformer, '
                    r'window-start=\(guint64\)\d+, window-end=\(guint64\)\d+, frames=\(uint\)8')


def test_runs_to_the_end():
    out, _ = run([SCRIPT, f"model={MODEL}", "top-k=3"], env=TEST_ENV)
    results = RESULT.findall(out)
    assert results, f"no classification printed:\n{out}"
    assert 'from element "uniformeroverlay0"' in out, out
    assert "Got EOS from element" in out, out
    print(f"ok: webcam.sh printed {len(results)} classifications")


def test_missing_model():
    out, err = run([SCRIPT, "model=/nonexistent/model.safetensors"], env=TEST_ENV,
                   expect_failure=True)
    assert "/nonexistent/model.safetensors" in out + err, out + err
    print("ok: webcam.sh names a missing model")


if __name__ == "__main__":
    test_runs_to_the_end()
    test_missing_model()
    sys.exit(0)
