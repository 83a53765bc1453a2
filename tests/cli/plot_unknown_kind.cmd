plot pie x.csv -o x.png
