/** Wire types of the identity domain: accounts, sessions, profile, payment PIN. */

export type Role = 'user' | 'admin';
export type KycTier = 0 | 1 | 2;

/** The signed-in user's own view of their account. */
export interface Me {
  id: string;
  username: string | null;
  phone: string | null;
  displayName: string;
  bio: string;
  region: string | null;
  role: Role;
  kycTier: KycTier;
  hasPin: boolean;
  /** My avatar's id; its images are at `/v1/avatars/{avatarId}/{size}`. */
  avatarId: string | null;
  createdAt: string;
}

export interface SessionInfo {
  id: string;
  deviceName: string;
  userAgent: string | null;
  ip: string | null;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  current: boolean;
}

/** Sign up with a username or an E.164 phone number (exactly one of the two). */
export interface SignupRequest {
  username?: string;
  phone?: string;
  password: string;
  displayName?: string;
  deviceName?: string;
}

/** `login` is a username or an E.164 phone number (starting with +). */
export interface LoginRequest {
  login: string;
  password: string;
  deviceName?: string;
}

export interface AuthResponse {
  user: Me;
  session: SessionInfo;
  /** The opaque bearer token: shown once, stored only as a hash. */
  token: string;
}

export interface UpdateProfileRequest {
  displayName?: string;
  bio?: string;
  region?: string | null;
}

export interface ChangePasswordRequest {
  currentPassword: string;
  newPassword: string;
}

export interface SetPinRequest {
  pin: string;
  password: string;
}

export interface VerifyPinRequest {
  pin: string;
}

export interface SessionList {
  sessions: SessionInfo[];
}

export interface AdminUpdateUserRequest {
  role?: Role;
  kycTier?: KycTier;
}

export interface AdminUser extends Me {
  pinLockedUntil: string | null;
}

/** What a client needs to know about this server before signing in. */
export interface ClientConfig {
  name: string;
  version: string;
  currency: string;
  limits: {
    passwordMinLength: number;
    passwordMaxLength: number;
    usernameMinLength: number;
    usernameMaxLength: number;
    displayNameMaxLength: number;
    bioMaxLength: number;
    deviceNameMaxLength: number;
    pinLength: number;
    pinAttemptsMax: number;
  };
}
