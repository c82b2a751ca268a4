// SPDX-License-Identifier: Apache-2.0
// Type declarations for zkbio-service.js (docs/fingerprint-service.md).

export type TemplateFormat = 'native' | 'iso';

export interface Device {
  id: string;
  serialNumber: string;
  model: string;
  status: 'connected' | 'disconnected' | 'busy';
  lastActivity?: string;
}

export interface DeviceInfo extends Device {
  firmwareVersion: string;
  temperature: number | null;
  backend: string;
  capabilities: { resolution: string; imageSize: string };
}

export interface Health {
  status: 'healthy' | 'unhealthy';
  uptime: number;
  deviceStatus: string;
  dbStatus: string;
  version: string;
}

export interface GalleryEntry { id: string | number; userId?: string; fingerId?: number; template: string }

export interface EnrollResult {
  template: string; quality: number; enrollmentId: string; scansCompleted: number; message: string;
  userId: string; format: TemplateFormat;
  /** With zkbiod's template storage (--fp-store): the template was stored under userId and fingerId. */
  stored?: boolean; fingerId?: number;
}
export interface VerifyResult {
  match: boolean; confidence: number; userId: string; verificationTime: number; score: number;
  quality: number; scanTime: number;
}
export interface IdentifyResult {
  match: boolean; confidence: number; userId?: string; matchedTemplate?: string; identificationTime: number;
  gallerySize: number; threshold: number; score?: number;
}
export interface CaptureResult {
  status: 'complete'; template: string; quality: number; scanTime: number; deviceId: string; format: TemplateFormat;
}

/** A WebSocket message: always has `type`; events carry `timestamp` and most carry `deviceId`. */
export interface ServiceEvent {
  type: string;
  deviceId?: string;
  scanId?: string;
  timestamp?: string;
  [field: string]: unknown;
}

export type ProgressCallback = (event: ServiceEvent) => void;

export declare class FingerprintServiceError extends Error {
  code: number;
  codeName: string;
  status: number;
  details: Record<string, unknown> | null;
  retryAfter: number | null;
}

export interface ServiceOptions {
  baseUrl?: string;
  apiKey: string;
  wsUrl?: string;
  format?: TemplateFormat;
  reconnect?: boolean;
  timeout?: number;
}

export declare class FingerprintService {
  constructor(options: ServiceOptions);
  health(): Promise<Health>;
  devices(): Promise<Device[]>;
  deviceInfo(id: string): Promise<DeviceInfo>;
  capture(opts?: { deviceId?: string | null; format?: TemplateFormat; timeout?: number }): Promise<CaptureResult>;
  loadGallery(templates: GalleryEntry[]): Promise<{ status: string; count: number; loadTime: number }>;
  clearGallery(): Promise<{ status: string }>;
  /** Template storage (--fp-store) only; 404 (3004) when nothing is stored for the user. */
  deleteTemplates(userId: string, fingerId?: number): Promise<{ status: string; userId: string; deleted: number }>;
  enroll(opts: {
    userId: string; fingerId?: number; deviceId?: string | null; metadata?: object; templates?: GalleryEntry[];
    format?: TemplateFormat; timeout?: number; onProgress?: ProgressCallback;
  }): Promise<EnrollResult>;
  verify(opts: {
    template?: string; userId?: string; deviceId?: string | null; timeout?: number; onProgress?: ProgressCallback;
  }): Promise<VerifyResult>;
  identify(opts: {
    template?: string; templates?: GalleryEntry[]; deviceId?: string | null; timeout?: number;
    onProgress?: ProgressCallback;
  }): Promise<IdentifyResult>;
  on(type: string, handler: (event: ServiceEvent) => void): () => void;
  connect(): Promise<void>;
  subscribe(deviceId: string): Promise<void>;
  scan(opts?: { deviceId?: string | null; timeout?: number; qualityThreshold?: number; onProgress?: ProgressCallback }):
    Promise<ServiceEvent & { template: string; quality: number; scanTime: number }>;
  stopScan(scanId: string): void;
  close(): void;
}
