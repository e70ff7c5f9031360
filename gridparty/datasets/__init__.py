"""The bundled sample city's loader and synthetic cities for scale tests."""
