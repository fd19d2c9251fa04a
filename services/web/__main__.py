from services.web.bootstrap import create_app
from shared.serve import serve

serve("web", create_app)
