import { HTTPException } from 'hono/http-exception';

/**
 * A QR/handoff input problem. It is an `HTTPException(400)`, so the collector's one `onError`
 * renders it as `{ error, message }`; the CLI prints its message.
 *
 * @example
 * throw new QrInputError('count must be an integer from 1 to 1000');
 */
export class QrInputError extends HTTPException {
  override name = 'QrInputError';
  constructor(message: string) {
    super(400, { message });
  }
}

/**
 * A campaign or code that does not exist on this site: `HTTPException(404)`.
 *
 * @example
 * if (!campaign) throw new QrNotFoundError(`campaign ${id} not found`);
 */
export class QrNotFoundError extends HTTPException {
  override name = 'QrNotFoundError';
  constructor(message: string) {
    super(404, { message });
  }
}
