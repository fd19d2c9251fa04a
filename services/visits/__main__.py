from services.visits.bootstrap import create_app
from shared.http.serve import serve

serve("visits", create_app)
