/** Renderer entry: pick the transport once, then mount the app. */
import { mount } from 'svelte';
import App from './App.svelte';
import { connectionContext, createStudioConnection } from './lib/api';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html lacks #app');

const connection = createStudioConnection();
mount(App, { target, context: connectionContext(connection) });
