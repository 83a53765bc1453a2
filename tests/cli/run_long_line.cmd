run - < <(printf '%2000000s' x)
