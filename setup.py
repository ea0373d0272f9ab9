"""Builds guanxi's C++ extension with CMake for `pip install --no-build-isolation .` (the `guanxi`
command is the package's Python command line, guanxi.cli, installed as a console script).

The interpreter that runs pip is the one CMake builds for (Python_EXECUTABLE=sys.executable),
so a venv made with `/usr/bin/python3 -m venv --system-site-packages` gets a matching module.
"""

import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = os.path.abspath(os.path.join(self.build_temp, "cmake"))
        generator = ["-G", "Ninja"] if shutil.which("ninja") else []
        subprocess.check_call(
            [
                "cmake", "-S", ROOT, "-B", build_dir, *generator,
                "-DCMAKE_BUILD_TYPE=Release",
                f"-DPython_EXECUTABLE={sys.executable}",
                "-DGUANXI_BUILD_TESTS=OFF",
                "-DGUANXI_BUILD_BENCH=OFF",
            ]
        )
        subprocess.check_call(["cmake", "--build", build_dir, "--target", "_guanxi"])
        module_dir = os.path.join(build_dir, "python", "guanxi")
        built = [f for f in os.listdir(module_dir) if f.startswith("_guanxi") and f.endswith(".so")]
        if len(built) != 1:
            raise RuntimeError(f"expected one _guanxi module in {module_dir}, found {built}")
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(module_dir, built[0]), target)


setup(ext_modules=[CMakeExtension("guanxi._guanxi")], cmdclass={"build_ext": CMakeBuild})
