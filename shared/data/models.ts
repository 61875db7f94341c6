// Every collection's model, registered on the connection so that ensureIndexes() builds each
// one's indexes, whichever use cases a process happens to load.
import './userModel';
import './groupModel';
import './customFieldModel';
import './importModel';
import './importRowErrorModel';
import './importChangeModel';
import './invitationModel';
import './deploymentModel';
