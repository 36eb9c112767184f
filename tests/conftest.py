"""Root conftest: puts tests/ on sys.path so every package can import `netguard`."""
