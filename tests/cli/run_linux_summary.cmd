run --on linux --summary -
