cpu --help
