"""Python drivers of the kernels: loops, stopping rules, history, warnings."""
