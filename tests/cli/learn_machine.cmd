learn machine ostep-multilevel
