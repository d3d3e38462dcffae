"""Build engine._capi against an installed libengine (pkg-config libengine).

SWIG generates engine/capi.py and the C wrapper from ../swig/engine.i with
the installed headers; the version comes from pkg-config too, so the
package always says which libengine it was built for.
"""

import os
import shlex
import shutil
import subprocess

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
SWIG_DIR = os.path.join(HERE, "..", "swig")
GEN_DIR = os.path.join(HERE, "build", "swig")


def pkg_config(*args):
    try:
        out = subprocess.run(["pkg-config", *args, "libengine"], check=True, capture_output=True,
                             text=True).stdout
    except FileNotFoundError:
        raise SystemExit("pkg-config is not installed (Debian: apt-get install pkg-config)")
    except subprocess.CalledProcessError as e:
        raise SystemExit("libengine not found by pkg-config: install libengine-dev, or set "
                         "PKG_CONFIG_PATH to the prefix's lib/pkgconfig\n" + e.stderr)
    return shlex.split(out)


def generate():
    """SWIG: engine/capi.py and build/swig/capi_wrap.c, regenerated each build."""
    swig = shutil.which("swig4.0") or shutil.which("swig")
    if not swig:
        raise SystemExit("swig is not installed (Debian: apt-get install swig)")
    os.makedirs(GEN_DIR, exist_ok=True)
    includes = pkg_config("--cflags-only-I")
    subprocess.run([swig, "-python", *includes, "-I" + SWIG_DIR, "-o", os.path.join(GEN_DIR, "capi_wrap.c"),
                    "-outdir", os.path.join(HERE, "engine"), os.path.join(SWIG_DIR, "engine.i")], check=True)


generate()
cflags = pkg_config("--cflags")
libs = pkg_config("--libs")
capi = Extension(
    "engine._capi",
    sources=[os.path.relpath(os.path.join(GEN_DIR, "capi_wrap.c"), HERE)],
    include_dirs=[f[2:] for f in cflags if f.startswith("-I")],
    extra_compile_args=["-fno-strict-aliasing", "-Wno-unused-parameter", "-Wno-unused-function"],
    library_dirs=[f[2:] for f in libs if f.startswith("-L")],
    libraries=[f[2:] for f in libs if f.startswith("-l")],
    extra_link_args=[f for f in libs if not f.startswith(("-L", "-l"))],
)
setup(version=pkg_config("--modversion")[0], ext_modules=[capi])
