"""Where a case sits in the Sentencing Council guideline on indecent photographs of children (E&W)."""
