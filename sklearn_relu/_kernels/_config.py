"""Shared compile-time settings of the kernels."""

# fastmath flags allowed on reductions (doc/design.rst, kernel rules): reassociation lets LLVM
# vectorise the dot products and the accumulations; no flag assumes finiteness,
# so NaN/inf still propagate to the drivers, which test for them in Python.
REDUCTION_FASTMATH = {"reassoc", "contract", "arcp", "nsz"}

# Rows per block of a reduction. The block partition depends on n only,
# never on the thread count, and the blocks are combined in a fixed order, so a
# result is bitwise identical for every number of threads.
BLOCK_ROWS = 2048
