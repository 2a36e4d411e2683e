"""The ./mosaic tool: build images, boot boards in QEMU, run tests and benchmarks."""
