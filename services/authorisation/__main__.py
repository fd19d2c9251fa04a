from services.authorisation.bootstrap import create_app
from shared.http.serve import serve

serve("authorisation", create_app)
