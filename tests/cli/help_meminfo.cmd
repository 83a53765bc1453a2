help meminfo
