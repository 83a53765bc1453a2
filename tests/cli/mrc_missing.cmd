mrc
