va
