"""Build hook for the optional compiled path tracker (verifier/solver/ctrack.c).

Everything else is declared in pyproject.toml. The extension is optional: where no C compiler is
available the build skips it and the tracker runs its numpy loop (same results, slower on small
batches).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "verifier.solver.ctrack",
            ["verifier/solver/ctrack.c"],
            optional=True,
            # complex products without the C99 NaN/inf recovery (2x faster; ctrack.c divides by Smith's
            # method and tests non-finite values itself)
            extra_compile_args=["-O3", "-fcx-limited-range", "-std=c99"],
        )
    ],
)
