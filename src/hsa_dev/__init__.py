"""Developer tools (catalogue, notebook variants, a local Gradescope): used by the test
suite and ``hsa catalogue`` from a clone; not shipped in the autograder zip."""
