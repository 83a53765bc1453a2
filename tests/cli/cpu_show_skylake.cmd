cpu show skylake
