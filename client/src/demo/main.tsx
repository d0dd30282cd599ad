/** Entry of the demo page (/). */
import "../styles/base.css";
import "./demo.css";
import { render } from "preact";
import { AgentConsole } from "./agent-console.tsx";

const root = document.getElementById("app");
if (root) render(<AgentConsole />, root);
