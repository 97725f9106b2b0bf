"""Reading and writing tables: format detection, header aliases, atomic writes."""
