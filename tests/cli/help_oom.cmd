help oom
