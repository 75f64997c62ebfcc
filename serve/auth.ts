import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { registerSecret } from "../core/redact.js";
import { ConfigError } from "../core/errors.js";
import { SERVE_ROLES, type ServeConfig, type ServeRole } from "../config/schema.js";

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

const HASH_PARAMS = { N: 16384, r: 8, p: 1 };

/** `scrypt$N$r$p$salt$hash`: what a config's `passwordHash` holds. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, 32, HASH_PARAMS);
  const { N, r, p } = HASH_PARAMS;
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

async function verifyHash(password: string, stored: string): Promise<boolean> {
  const [, n, r, p, salt, hash] = stored.split("$");
  const want = Buffer.from(hash!, "base64");
  const N = Number(n);
  // maxmem: scrypt needs 128·N·r bytes; the default cap refuses N above 16384 with r = 8.
  const got = await scrypt(password, Buffer.from(salt!, "base64"), want.length, {
    N,
    r: Number(r),
    p: Number(p),
    maxmem: 256 * N * Number(r) + 1024 * 1024,
  });
  return timingSafeEqual(got, want);
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface ServeUser {
  name: string;
  role: ServeRole;
}

/** The default variable of a user without passwordHash or passwordEnv. */
export function passwordEnvName(user: string): string {
  return `TRUEUP_USER_${user.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_PASSWORD`;
}

interface Credential {
  role: ServeRole;
  hash?: string;
  password?: string;
}

/**
 * The users config names, with their passwords resolved: a hash as given, else the password
 * from its environment variable (registered as a secret, so no log line or page can show it).
 * A user whose variable is unset is a config error naming the variable.
 */
export function resolveUsers(config: ServeConfig, env: NodeJS.ProcessEnv = process.env): Users {
  const creds = new Map<string, Credential>();
  for (const [name, u] of Object.entries(config.users)) {
    if (u.passwordHash) {
      creds.set(name, { role: u.role, hash: u.passwordHash });
      continue;
    }
    const variable = u.passwordEnv ?? passwordEnvName(name);
    const password = env[variable];
    if (!password)
      throw new ConfigError(
        `serve.users.${name}: set ${variable} to the user's password, or give serve.users.${name}.passwordHash (trueup serve --hash-password prints one)`,
      );
    registerSecret(password);
    creds.set(name, { role: u.role, password });
  }
  if (creds.size === 0)
    throw new ConfigError(
      "trueup serve needs at least one user: add serve.users to the config (e.g. alice: { role: 'preparer' } with TRUEUP_USER_ALICE_PASSWORD set)",
    );
  return new Users(creds);
}

export class Users {
  constructor(private readonly creds: Map<string, Credential>) {}

  /** The user, when the password is theirs; undefined for an unknown user or a wrong password alike. */
  async verify(name: string, password: string): Promise<ServeUser | undefined> {
    const c = this.creds.get(name);
    if (!c) {
      // Spend the same time on an unknown name, so timing does not tell which names exist.
      await hashPassword(password);
      return undefined;
    }
    const ok = c.hash ? await verifyHash(password, c.hash) : sameText(password, c.password!);
    return ok ? { name, role: c.role } : undefined;
  }
}

/** Whether `role` may do what needs `needed`: viewer < preparer < approver. */
export function allows(role: ServeRole, needed: ServeRole): boolean {
  return SERVE_ROLES.indexOf(role) >= SERVE_ROLES.indexOf(needed);
}

export interface WebSession {
  id: string;
  user: ServeUser;
  /** Every POST must carry it (the forms hold it in a hidden field). */
  csrf: string;
  expiresAt: number;
}

/** Logins, in memory: a restart logs everyone out, which is what a local finance page wants. */
export class Sessions {
  private readonly byId = new Map<string, WebSession>();
  constructor(private readonly ttlMs: number) {}

  create(user: ServeUser): WebSession {
    const s: WebSession = {
      id: randomBytes(32).toString("base64url"),
      user,
      csrf: randomBytes(32).toString("base64url"),
      expiresAt: Date.now() + this.ttlMs,
    };
    this.byId.set(s.id, s);
    return s;
  }

  get(id: string | undefined): WebSession | undefined {
    if (!id) return undefined;
    const s = this.byId.get(id);
    if (!s) return undefined;
    if (s.expiresAt < Date.now()) {
      this.byId.delete(id);
      return undefined;
    }
    return s;
  }

  end(id: string): void {
    this.byId.delete(id);
  }
}

/** A CSRF token matches: compared in constant time. */
export function csrfMatches(expected: string, given: unknown): boolean {
  return typeof given === "string" && given.length > 0 && sameText(expected, given);
}

export function newToken(): string {
  return randomBytes(32).toString("base64url");
}
