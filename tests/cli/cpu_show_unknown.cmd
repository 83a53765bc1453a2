cpu show skylak
