cpu list
