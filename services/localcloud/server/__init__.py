"""The HTTP front: one endpoint that routes each AWS request to our handlers or to moto."""
