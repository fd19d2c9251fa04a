from services.web.bootstrap import create_app
from shared.http.serve import serve

serve("web", create_app)
