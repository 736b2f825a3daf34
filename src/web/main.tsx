import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { loadConfig } from './config.ts';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
loadConfig().then(
  (config) => root.render(<StrictMode><App {...config} /></StrictMode>),
  (error: unknown) => root.render(<p role="alert">Cannot reach the API: {String(error)}</p>),
);
