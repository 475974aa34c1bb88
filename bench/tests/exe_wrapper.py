"""The command that runs a built program: meson's exe wrapper (an emulator
such as qemu-user in cross builds, MESON_EXE_WRAPPER) before it, if any."""
import os
import shlex


def command(exe):
    return shlex.split(os.environ.get("MESON_EXE_WRAPPER", "")) + [exe]
