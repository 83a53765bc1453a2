help va
