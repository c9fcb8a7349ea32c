"""Runs a CPU PyTorch/numpy peer at its best: Debian 12's OpenBLAS misdetects
these machines' CPUs and may fall back to slow kernels, so the peer's
command is run once per OpenBLAS kernel candidate (OPENBLAS_CORETYPE set
for that process only, never for tests or CI) and the fastest is kept.
../shared/docs/field-notes.md has the measurements behind it."""
import os
import subprocess

# None: OpenBLAS's own choice
KERNELS = [None, 'Haswell', 'SkylakeX']


def fastest(cmd, ms_of, log=print):
    """Runs @cmd once per kernel; @ms_of(stdout) gives its ms per clip.
    Returns (kernel name, ms, stdout of that run) for the fastest."""
    best = None
    for kernel in KERNELS:
        env = dict(os.environ)
        env.pop('OPENBLAS_CORETYPE', None)
        if kernel:
            env['OPENBLAS_CORETYPE'] = kernel
        name = kernel or 'default'
        run = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if run.returncode != 0 and kernel is not None:
            # SIGILL: this CPU lacks the kernel's instructions (SkylakeX's
            # AVX-512 on a CPU without it); the other candidates stand
            log('  peer, OpenBLAS kernel %-8s    cannot run here (exit %d)' % (
                name, run.returncode))
            continue
        if run.returncode != 0:
            raise subprocess.CalledProcessError(run.returncode, cmd, run.stdout, run.stderr)
        out = run.stdout
        ms = ms_of(out)
        log('  peer, OpenBLAS kernel %-8s %9.0f ms per clip' % (name, ms))
        if best is None or ms < best[1]:
            best = (name, ms, out)
    return best
