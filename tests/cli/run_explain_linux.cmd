run examples/03-cow-after-fork.vml --on linux --explain
