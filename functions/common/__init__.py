"""The functions' one house style: settings (`config`), the async pool and the caller's
transaction (`db`), dependencies (`deps`), error handlers (`errors`); and the Typesense client
of the content functions."""
