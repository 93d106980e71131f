// The bench's Node peer: what a team might write instead of Tenantry for the same two documents.
// graphql-js (schema subset of Tenantry's, field resolvers), graphql-http, better-sqlite3 on the
// same SQLite file with the same statements: the session by its token's keyed digest joined with
// user and account (last_seen_at written when a minute old), the account's contacts, the user's
// sessions; billingProfile: the session lookup, then the profile row.
//
//   TENANTRY_SECRET_KEY=... node server.js --port 8002 --database var/bench/x.db
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import Database from 'better-sqlite3';
import { buildSchema } from 'graphql';
import { createHandler } from 'graphql-http/lib/use/http';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, value, i, all) => (i % 2 === 0 ? [...pairs, [value.replace(/^--/, ''), all[i + 1]]] : pairs), []),
);
const secret = process.env.TENANTRY_SECRET_KEY;
if (!secret || !args.port || !args.database) {
  console.error('usage: TENANTRY_SECRET_KEY=... node server.js --port N --database FILE');
  process.exit(2);
}

// domain.security.Keyring: root = sha256(secret); key(purpose) = HMAC(root, "tenantry/" + purpose).
const root = createHash('sha256').update(secret, 'utf8').digest();
const sessionKey = createHmac('sha256', root).update('tenantry/session').digest();
const IDLE_TTL_MS = 3600_000;
const TOUCH_MS = 60_000;

const db = new Database(args.database);
db.pragma('busy_timeout = 30000');
db.pragma('synchronous = NORMAL');

const q = {
  session: db.prepare(`
    SELECT s.id AS s_id, s.last_seen_at AS s_last_seen_at, s.absolute_expires_at AS s_absolute_expires_at,
           u.id AS u_id, u.email, u.role, u.first_name, u.last_name, u.phone, u.pending_email, u.location_country,
           u.location_city, u.language, u.timezone, u.job_title, u.version, u.updated_at,
           a.id AS a_id, a.kind, a.organization_number, a.personal_number, a.country, a.company_name,
           a.contact_person, a.address_line1, a.address_line2, a.address_postal_code, a.address_city,
           a.address_region, a.address_country, a.purchase_order_number, a.customer_info_version,
           a.customer_info_updated_at
    FROM sessions s JOIN users u ON s.user_id = u.id JOIN accounts a ON u.account_id = a.id
    WHERE s.token_hash = ?`),
  touch: db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id = ?'),
  contacts: db.prepare(`
    SELECT id, email, verified_at, billing, tech, dpo, created_at FROM contact_emails
    WHERE account_id IN (?) ORDER BY created_at, id`),
  sessions: db.prepare(
    'SELECT id, last_seen_at, absolute_expires_at FROM sessions WHERE user_id = ? ORDER BY created_at DESC, id',
  ),
  profile: db.prepare(`
    SELECT legal_name, address_line1, address_line2, address_postal_code, address_city, address_region,
           address_country, vat_number, registration_number, bank_name, account_holder, iban, bic,
           payment_terms_days, payment_instructions, invoice_email, version, updated_at
    FROM billing_profile WHERE id = 1`),
};
const touch = db.transaction((at, id) => q.touch.run(at, id));

// SQLAlchemy stores "2026-01-02 03:04:05.000006" (UTC); Python's isoformat() drops a zero fraction.
const iso = (s) => (s == null ? null : `${s.slice(0, 10)}T${s.endsWith('.000000') ? s.slice(11, 19) : s.slice(11)}+00:00`);
const ms = (s) => Date.parse(`${s.slice(0, 10)}T${s.slice(11, 23)}Z`);
const stored = (t) => new Date(t).toISOString().replace('T', ' ').replace('Z', '000');
const globalId = (type, h) =>
  Buffer.from(`${type}:${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`)
    .toString('base64url');
const live = (lastSeen, absolute, now) => Math.min(ms(absolute), ms(lastSeen) + IDLE_TTL_MS) > now;

function authenticate(header) {
  const [scheme, token] = (header || '').split(' ', 2);
  if (!token || scheme.toLowerCase() !== 'bearer' || token.length > 200) return null;
  const row = q.session.get(createHmac('sha256', sessionKey).update(token, 'utf8').digest('hex'));
  const now = Date.now();
  if (!row || !live(row.s_last_seen_at, row.s_absolute_expires_at, now)) return null;
  if (now - ms(row.s_last_seen_at) >= TOUCH_MS) {
    touch.immediate(stored(now), row.s_id);
  }
  return row;
}

const schema = buildSchema(`
  type Query { me: User  billingProfile: BillingProfile }
  type User { id: ID! email: String! role: String! profile: Profile! account: Account! sessions: [Session!]! }
  type Location { country: String! city: String }
  type Profile {
    firstName: String! lastName: String! phone: String pendingEmail: String location: Location language: String
    timezone: String jobTitle: String version: Int! updatedAt: String!
  }
  type Address { line1: String! line2: String postalCode: String! city: String! region: String country: String! }
  type CustomerInfo {
    companyName: String contactPerson: String! address: Address purchaseOrderNumber: String version: Int!
    updatedAt: String!
  }
  type Account {
    id: ID! kind: String! organizationNumber: String personalNumber: String country: String!
    customerInfo: CustomerInfo! contacts: [ContactEmail!]!
  }
  type ContactEmail { id: ID! email: String! verified: Boolean! verifiedAt: String roles: [String!]! createdAt: String! }
  type Session { id: ID! current: Boolean! lastSeenAt: String! }
  type BillingProfile {
    legalName: String! address: Address! vatNumber: String registrationNumber: String bankName: String!
    accountHolder: String! iban: String! bic: String! paymentTermsDays: Int! paymentInstructions: String
    invoiceEmail: String version: Int! updatedAt: String!
  }
`);

const address = (r) => ({
  line1: r.address_line1,
  line2: r.address_line2,
  postalCode: r.address_postal_code,
  city: r.address_city,
  region: r.address_region,
  country: r.address_country,
});

const rootValue = {
  me: (_args, ctx) => {
    const r = authenticate(ctx.authorization);
    if (!r) return null;
    return {
      id: globalId('User', r.u_id),
      email: r.email,
      role: r.role,
      profile: {
        firstName: r.first_name,
        lastName: r.last_name,
        phone: r.phone,
        pendingEmail: r.pending_email,
        location: r.location_country ? { country: r.location_country, city: r.location_city } : null,
        language: r.language,
        timezone: r.timezone,
        jobTitle: r.job_title,
        version: r.version,
        updatedAt: iso(r.updated_at),
      },
      account: {
        id: globalId('Account', r.a_id),
        kind: r.kind,
        organizationNumber: r.organization_number,
        personalNumber: r.personal_number,
        country: r.country,
        customerInfo: {
          companyName: r.company_name,
          contactPerson: r.contact_person,
          address: r.address_line1 == null ? null : address(r),
          purchaseOrderNumber: r.purchase_order_number,
          version: r.customer_info_version,
          updatedAt: iso(r.customer_info_updated_at),
        },
        // Field resolvers: each list is read only when the document asks for it.
        contacts: () =>
          q.contacts.all(r.a_id).map((c) => ({
            id: globalId('ContactEmail', c.id),
            email: c.email,
            verified: c.verified_at != null,
            verifiedAt: iso(c.verified_at),
            roles: [c.billing && 'BILLING', c.tech && 'TECH', c.dpo && 'DPO'].filter(Boolean),
            createdAt: iso(c.created_at),
          })),
      },
      sessions: () => {
        const now = Date.now();
        return q.sessions
          .all(r.u_id)
          .filter((s) => live(s.last_seen_at, s.absolute_expires_at, now))
          .map((s) => ({ id: globalId('Session', s.id), current: s.id === r.s_id, lastSeenAt: iso(s.last_seen_at) }));
      },
    };
  },
  billingProfile: (_args, ctx) => {
    if (!authenticate(ctx.authorization)) throw new Error('UNAUTHENTICATED');
    const p = q.profile.get();
    if (!p) return null;
    return {
      legalName: p.legal_name,
      address: address(p),
      vatNumber: p.vat_number,
      registrationNumber: p.registration_number,
      bankName: p.bank_name,
      accountHolder: p.account_holder,
      iban: p.iban,
      bic: p.bic,
      paymentTermsDays: p.payment_terms_days,
      paymentInstructions: p.payment_instructions,
      invoiceEmail: p.invoice_email,
      version: p.version,
      updatedAt: iso(p.updated_at),
    };
  },
};

const handler = createHandler({
  schema,
  rootValue,
  context: (req) => ({ authorization: req.raw.headers.authorization }),
});

http
  .createServer((req, res) => {
    if (req.url === '/healthz') {
      res.end('ok');
    } else if (req.url === '/graphql') {
      handler(req, res);
    } else {
      res.writeHead(404).end();
    }
  })
  .listen(Number(args.port), '127.0.0.1');
