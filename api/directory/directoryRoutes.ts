import { Router } from 'express';
import { createCustomField, listCustomFields } from '../../shared/directory/customFieldDirectory';
import { deleteCustomField } from '../../shared/directory/deleteCustomField';
import { createGroup, deleteGroup, listGroups } from '../../shared/directory/groupDirectory';
import { requireRole } from '../http/auth';

/** Groups and custom fields that CSV rows may name. Support may read them; only admins change them. */
export function directoryRoutes(): Router {
  const router = Router();
  router.get('/groups', requireRole('support'), async (_req, res) => {
    res.json({ items: await listGroups() });
  });
  router.post('/groups', requireRole('admin'), async (req, res) => {
    res.status(201).json(await createGroup(req.body));
  });
  router.delete('/groups/:id', requireRole('admin'), async (req, res) => {
    await deleteGroup(req.params.id as string);
    res.status(204).end();
  });
  router.get('/custom-fields', requireRole('support'), async (_req, res) => {
    res.json({ items: await listCustomFields() });
  });
  router.post('/custom-fields', requireRole('admin'), async (req, res) => {
    res.status(201).json(await createCustomField(req.body));
  });
  // Answers when every value is gone: a deletion cut short is finished by sending it again.
  router.delete('/custom-fields/:key', requireRole('admin'), async (req, res) => {
    res.json(await deleteCustomField(req.params.key as string));
  });
  return router;
}
