va --help
