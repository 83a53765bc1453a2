va 7ffd
