"""The profiling engine: pure computation over table chunks, no service I/O."""
