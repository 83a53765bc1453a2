plot reach -o pic.jpg
