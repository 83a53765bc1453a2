run examples/03-cow-after-fork.vml --explain=loud
